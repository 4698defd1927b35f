"""The bundled exercise bank (packaged as grader.exercises)."""
