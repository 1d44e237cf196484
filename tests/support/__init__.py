"""Helpers the test suites share: in-memory HTTP and WebSocket, the notebook on a Clock,
scripted kernel workers, stores, live pages, and the real server as a subprocess."""
