"""Decision support: the labour-dispute warning model, its monthly run and dispatch, and the
district's economic run."""
