"""Deciding: the registers, who a letter is to and from, and its verdict."""
