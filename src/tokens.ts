/**
 * Interfaces mirroring the server's response models (mlops_jlab/server/models.py).
 */

/** Where the server's store lives. */
export interface IStoreInfo {
  kind: string;
  url: string;
  artifacts: string;
  source: string;
}

/** What the store holds. */
export interface IStoreCounts {
  experiments: number;
  runs: number;
  datasets: number;
  models: number;
}

/** `GET status`: the server's version, its store and what the store holds. */
export interface IStatus {
  version: string;
  store: IStoreInfo;
  counts: IStoreCounts;
}
