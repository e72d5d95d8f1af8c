"""The base map under the grids: its configuration, tile packages (MBTiles) and the demo's
synthetic map rendered from the demo grids."""
