"""The ops feed: the live supervision tree and its events over a websocket, and `trt top`."""
