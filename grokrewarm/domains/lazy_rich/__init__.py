"""Lazy-to-rich grokking tasks (Kumar et al. 2024) and Omnigrok's tasks (Liu et al. 2023):
polynomial regression, eigenvector labels, modular addition with an MLP, teacher-student, MNIST.
"""
