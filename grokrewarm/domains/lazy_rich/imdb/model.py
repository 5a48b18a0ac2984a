"""The 2-layer LSTM sentiment classifier of Omnigrok Fig. 4."""

from __future__ import annotations

from torch import Tensor, nn


class ImdbLSTM(nn.Module):
    """Embedding, a ``num_layers`` LSTM (batch first, zero initial state) and a linear read-out
    of the last step's hidden state to one logit per review (shape ``[n]``).

    PyTorch's default initialisation (embedding ``N(0, 1)``, LSTM and linear uniform in
    ``+-1/sqrt(fan)``); the padding index is an ordinary, trained embedding, as in the authors'
    script (no ``padding_idx``). Omnigrok's alpha is ``init_scale``, applied after building.
    """

    def __init__(
        self,
        vocab_size: int = 1001,
        embedding_dim: int = 64,
        hidden_dim: int = 128,
        num_layers: int = 2,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.readout = nn.Linear(hidden_dim, 1)

    def forward(self, tokens: Tensor) -> Tensor:
        states, _ = self.lstm(self.embedding(tokens))
        return self.readout(states[:, -1]).squeeze(-1)
