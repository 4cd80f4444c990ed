"""The chapters' experiment code: one module per chapter or per experiment, each naming the chapter that
uses it. The science the experiments call lives one level up (``cells``, ``equilibria``, ``lyapunov``,
``numpy_lstm``, ``training``, ``data``).
"""
