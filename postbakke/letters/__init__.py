"""Letters: pages -> letters -> the fields printed on them."""
