import torch
import torch.nn as nn

class ModelNew(nn.Module):
    """Draft: softmax over the wrong dimension."""
    def forward(self, x):
        return torch.sigmoid(torch.softmax(x, dim=0))
