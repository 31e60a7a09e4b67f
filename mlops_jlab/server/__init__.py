"""The Jupyter server extension: REST handlers over a service layer."""
