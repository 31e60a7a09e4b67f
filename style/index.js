// The package's style module: JupyterLab loads it once, with every view's stylesheet.
import './index.css';
