"""The Ease.ML lifecycle: a feasibility study before training (ease.ml/snoopy) and a
continuous-integration test with statistical guarantees before promotion (ease.ml/ci)."""
