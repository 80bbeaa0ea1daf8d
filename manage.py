#!/usr/bin/env python
from tisheng.cli import main

if __name__ == "__main__":
    main()
