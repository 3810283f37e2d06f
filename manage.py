#!/usr/bin/env python
from kasipodaq.__main__ import main

if __name__ == "__main__":
    main()
