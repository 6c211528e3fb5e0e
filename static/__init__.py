"""The page, as package data: the app serves this folder at / and its vendor/ folder (the npm
files setup.py puts there) at /vendor/."""
