import React from 'react';

import { IArtifactInfo } from '../api/types';
import { formatBytes, formatTime } from '../shared/format';

/** Properties of {@link RunDetailArtifacts}. */
export interface IRunDetailArtifactsProps {
  artifacts: IArtifactInfo[];
  /** The URL that downloads an artifact by its digest. */
  urlOf: (digest: string) => string;
}

/** Whether an artifact is a figure a browser shows by itself. */
export function isFigure(artifact: IArtifactInfo): boolean {
  return artifact.media_type.startsWith('image/');
}

/**
 * A run's artifacts: name, kind, size and type, a download link, and figures shown
 * inline (an `<img>` never runs scripts, so even an SVG figure is safe to show).
 */
export function RunDetailArtifacts({
  artifacts,
  urlOf
}: IRunDetailArtifactsProps): JSX.Element {
  if (artifacts.length === 0) {
    return <p className="jp-MlopsRunDetail-empty">No artifacts.</p>;
  }
  return (
    <ul className="jp-MlopsRunDetail-artifacts" aria-label="Artifacts">
      {artifacts.map(artifact => {
        const url = urlOf(artifact.digest);
        return (
          <li
            key={`${artifact.name}-${artifact.digest}`}
            className="jp-MlopsRunDetail-artifact"
            data-digest={artifact.digest}
          >
            <div className="jp-MlopsRunDetail-artifactHead">
              <span className="jp-MlopsRunDetail-artifactName">
                {artifact.name}
              </span>
              <span className="jp-MlopsRunDetail-artifactMeta">
                {artifact.kind} · {formatBytes(artifact.size)} ·{' '}
                {artifact.media_type}
              </span>
              <a
                className="jp-MlopsRunDetail-download"
                href={url}
                download={artifact.name.split('/').pop() || artifact.name}
                title={`Download ${artifact.name} (saved ${formatTime(artifact.created_at)})`}
              >
                Download
              </a>
            </div>
            {isFigure(artifact) && (
              <img
                className="jp-MlopsRunDetail-figure"
                src={url}
                alt={`Figure ${artifact.name}`}
                loading="lazy"
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}
