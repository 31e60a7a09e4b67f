"""mlops-jlab: MLOps inside JupyterLab."""
