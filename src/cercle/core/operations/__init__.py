"""What operators need to run Cercle: health probes (`health`), Prometheus metrics (`metrics`),
structured logs with a request id that follows a request into its tasks and realtime events
(`context`, `logs`, `tasks`), and the middleware that ties them to each request (`middleware`).

Part of the ground (`cercle.core`): it knows no app. docs/deployment.md, "Operating Cercle"."""
