Zhiwang
