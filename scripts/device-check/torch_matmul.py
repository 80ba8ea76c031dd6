# Run by scripts/device-check/torch.mjs on the device: the same float32 matmul as SeekLab's
# matmulGflops, timed in PyTorch on CUDA (TF32 off, then on). Prints one line: @@torch {json}.
import json, sys, time
import torch
sizes = json.loads(sys.argv[1])
out = {"torch": torch.__version__, "cuda": torch.cuda.is_available()}
if not torch.cuda.is_available():
    print("@@torch " + json.dumps(out)); sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False   # plain float32, as WebGPU computes
out["device"] = torch.cuda.get_device_name(0)
rows = []
for n in sizes:
    g = torch.Generator(device="cuda").manual_seed(1)
    a = torch.randn(n, n, device="cuda", generator=g)
    b = torch.randn(n, n, device="cuda", generator=g)
    for _ in range(3): (a @ b)
    torch.cuda.synchronize()
    reps = max(3, min(200, int(2e11 / (2 * n ** 3))))
    t0 = time.perf_counter()
    for _ in range(reps): c = a @ b
    torch.cuda.synchronize()
    dev = (time.perf_counter() - t0) / reps
    # the same work as SeekLab's matmulGflops: the product and its copy back to the host
    times = []
    for _ in range(max(3, min(50, reps))):
        t0 = time.perf_counter(); c = (a @ b).cpu(); times.append(time.perf_counter() - t0)
    times.sort()
    rb = times[len(times) // 2]
    torch.backends.cuda.matmul.allow_tf32 = True
    for _ in range(3): (a @ b)
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(reps): c = a @ b
    torch.cuda.synchronize(); tf32 = (time.perf_counter() - t0) / reps
    torch.backends.cuda.matmul.allow_tf32 = False
    rows.append({"n": n, "fp32_gflops": 2 * n ** 3 / dev / 1e9, "fp32_readback_gflops": 2 * n ** 3 / rb / 1e9, "tf32_gflops": 2 * n ** 3 / tf32 / 1e9})
out["rows"] = rows
print("@@torch " + json.dumps(out))
