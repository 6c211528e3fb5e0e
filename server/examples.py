"""The presets of GET /api/examples, the post's two examples first."""

from __future__ import annotations

#: The small MLP of the "mlp" preset, trained by the "mlp-train" preset.
_MLP = {
    "expression": (
        "h = tanh(X @ W1 + b1)\nlogits = h @ W2 + b2\nloss = cross_entropy(logits, [0, 2, 1])"
    ),
    "inputs": {
        "X": [[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]],
        "W1": [[0.2, -0.5, 0.4, 0.1], [0.7, 0.3, -0.2, -0.6]],
        "b1": [0.0, 0.1, -0.1, 0.05],
        "W2": [[0.3, -0.4, 0.2], [-0.1, 0.5, 0.3], [0.6, 0.1, -0.5], [0.2, -0.3, 0.4]],
        "b2": [0.0, 0.0, 0.0],
    },
}

EXAMPLES: list[dict] = [
    {
        "id": "sigmoid",
        "title": "The post's sigmoid at z = 0",
        "description": "1/(1+e^{-z}) as four nodes: backprop multiplies the local gradients "
        "-0.25, 1, 1, -1 along the chain and gives dz = 0.25.",
        "expression": "1/(1+exp(-z))",
        "inputs": {"z": 0},
    },
    {
        "id": "fanout",
        "title": "The post's w1*x + w2*x: one input, two paths",
        "description": "x feeds two products, so its gradient is the sum of two contributions "
        "(the multivariate chain rule): dx = w1 + w2 = 5.",
        "expression": "h = w1*x\ng = w2*x\nf = g + h",
        "inputs": {"w1": 2, "w2": 3, "x": 0},
    },
    {
        "id": "cs231n-simple",
        "title": "CS231n: (x + y) * z",
        "description": "The first circuit of CS231n's backprop notes: dx = dy = z = -4, "
        "dz = x + y = 3.",
        "expression": "q = x + y\nf = q * z",
        "inputs": {"x": -2, "y": 5, "z": -4},
    },
    {
        "id": "cs231n-neuron",
        "title": "CS231n: a 2-d sigmoid neuron",
        "description": "sigma(w0*x0 + w1*x1 + w2) drawn gate by gate; the output is 0.73 and "
        "dw = [-0.2, -0.39, 0.2], dx = [0.39, -0.59].",
        "expression": "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))",
        "inputs": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
    },
    {
        "id": "micrograd-neuron",
        "title": "micrograd: a tanh neuron",
        "description": "The neuron of micrograd's walkthrough: o = tanh(x1*w1 + x2*w2 + b) = "
        "0.7071; dx1 = -1.5, dw1 = 1, dx2 = 0.5, dw2 = 0.",
        "expression": "x1w1 = x1*w1\nx2w2 = x2*w2\nn = x1w1 + x2w2 + b\no = tanh(n)",
        "inputs": {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.881373587019543},
    },
    {
        "id": "micrograd-readme",
        "title": "micrograd's README expression",
        "description": "The README's example with in-place updates: g = 24.7041, "
        "dg/da = 138.8338, dg/db = 645.5773.",
        "expression": (
            "c = a + b\n"
            "d = a*b + b**3\n"
            "c += c + 1\n"
            "c += 1 + c + (-a)\n"
            "d += d*2 + relu(b + a)\n"
            "d += 3*d + relu(b - a)\n"
            "e = c - d\n"
            "f = e**2\n"
            "g = f / 2.0\n"
            "g += 10.0 / f"
        ),
        "inputs": {"a": -4, "b": 2},
    },
    {
        "id": "broadcast",
        "title": "Tensors: a layer with a broadcast bias",
        "description": "b has shape [3] and is added to every row of X @ W ([2, 3]); backprop "
        "undoes the broadcast by summing the upstream over the rows.",
        "expression": "h = X @ W + b\ny = sum(tanh(h))",
        "inputs": {
            "X": [[1.0, 2.0], [-1.0, 0.5]],
            "W": [[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]],
            "b": [0.1, -0.2, 0.3],
        },
    },
    {
        "id": "mlp",
        "title": "A small MLP with a cross-entropy loss",
        "description": "Two layers on a batch of 3 points in 2-d, 3 classes; the loss is the "
        "mean cross-entropy against the class indices [0, 2, 1].",
        **_MLP,
    },
    # -- training (POST /api/train): the page fills its training panel from "train" -------------
    {
        "id": "mlp-train",
        "title": "Train the small MLP: 50 steps of SGD",
        "description": "The MLP above with its weights and biases marked as parameters: each "
        "step moves them against their gradients (w <- w - lr * dL/dw) and the cross-entropy "
        "falls from 1.08 to 0.02 in 50 steps.",
        **_MLP,
        "train": {"params": ["W1", "b1", "W2", "b2"], "lr": 0.5, "steps": 50, "optimizer": "sgd"},
    },
    {
        "id": "line-fit",
        "title": "Gradient descent on (w*x + b - 9)^2",
        "description": "One point, two parameters: at x = 2, w = 3, b = 1 the gradients are "
        "dL/dw = -8 and dL/db = -4; one SGD step with lr = 0.05 gives w = 3.4, b = 1.2 and the "
        "loss falls from 4 to 1.",
        "expression": "loss = (w*x + b - 9)**2",
        "inputs": {"x": 2, "w": 3, "b": 1},
        "train": {"params": ["w", "b"], "lr": 0.05, "steps": 20, "optimizer": "sgd"},
    },
]
