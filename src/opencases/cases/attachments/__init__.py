"""Case attachments: comments, alerts, files and observables, above the case itself."""
