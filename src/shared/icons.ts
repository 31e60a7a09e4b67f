import { LabIcon } from '@jupyterlab/ui-components';

import mlopsIconSvg from '../../style/icons/mlops.svg';

/** The side panel's icon, also the tab icon of the views it opens. */
export const mlopsIcon = new LabIcon({
  name: 'mlops-jlab:mlops',
  svgstr: mlopsIconSvg
});
