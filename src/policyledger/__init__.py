"""policyledger (政策落实台账): parse Chinese policy documents and run them as tracked programmes."""

__version__ = "0.1.0"
