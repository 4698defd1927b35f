import torch


def double(x):
    if x[0] > 0:  # a hoard growing past the limit, 256 MB at a time
        hoard = []
        while True:
            hoard.append(torch.empty(256 * 1024 * 1024, dtype=torch.uint8))
    return [0] * 10**11  # 800 GB of list in one go: MemoryError
