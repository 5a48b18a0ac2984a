"""Lazy-to-rich grokking tasks (Kumar et al. 2024) and Omnigrok's tasks (Liu et al. 2023):
polynomial regression, eigenvector labels, modular addition with an MLP, teacher-student, MNIST,
IMDb and QM9. One module per task holds its data loading, its model and its task class; the
tensor tasks share ``tensor_task.TensorTask``.
"""
