"""lstmdyn: the dynamics of LSTM networks.

Equilibria of the autonomous LSTM by homotopy (Amrouche et al.) and Lyapunov spectra of recurrent
networks (Vogt et al.), with the tools of the companion book that reproduces both papers.
"""

__version__ = "0.1.0"
