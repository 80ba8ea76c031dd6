#!/bin/sh
# The GPU device check's entry point, in POSIX sh because the device may have no Node.
#
#   sh scripts/device-check.sh [PACK]        PACK: the folder `node scripts/device-check.mjs pack`
#                                            built (default build/device); also runs as PACK/run.sh
#
# It prints nvidia-smi, finds the NVIDIA Vulkan driver (or writes its manifest), puts the carried
# Vulkan loader on LD_LIBRARY_PATH when the system has none, picks a node ≥ 20.19 (the system's,
# else the carried one), unpacks dawn.node, and runs `node PACK/scripts/device-check.mjs check`:
# correctness on WebGPU vs cpu, the backends benchmark, PyTorch's matmul where present.
# Everything printed also goes to $OUT/device-check.log; the report to $OUT/device-report.{md,json}
# ($OUT: the device tool's output folder; build/device-out when unset).
#
# Knobs: DEVICE_CHECK_ALLOW_SOFTWARE=1 accepts a software adapter (SwiftShader: to test the path
# on a machine without a GPU, with VK_ICD_FILENAMES pointing at it); DEVICE_CHECK_FORCE_CARRIED_NODE=1
# uses the carried node even when a good one is installed, DEVICE_CHECK_FORCE_CARRIED_VULKAN=1 the carried
# Vulkan loader. Extra arguments go to the Node check
# (--skip-bench, --skip-torch).
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/scripts/device-check.mjs" ] && [ -d "$here/node_modules" ]; then
  PACK=$here
else
  PACK=${1:-$here/../build/device}
  [ $# -gt 0 ] && shift
fi
[ -d "$PACK" ] || { echo "device-check: no pack at $PACK (build it with: node scripts/device-check.mjs pack)"; exit 2; }
PACK=$(cd "$PACK" && pwd)
OUTDIR=${OUT:-$PACK/../device-out}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=${TMPDIR:-/tmp}/seeklab-device-check
mkdir -p "$WORK"

unxz_to() { # unxz_to SRC DEST: xz, else python3's lzma, for .xz; gzip for .gz
  case "$1" in
    *.xz)
      if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
      else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi ;;
    *.gz) gzip -dc "$1" >"$2" ;;
  esac
}

version_ok() { # node ≥ 20.19?
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null
}

main() {
  echo "== SeekLab device check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m), pack $PACK"
  if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi; else echo "(no nvidia-smi)"; fi

  # Vulkan driver manifest (ICD) for the NVIDIA driver.
  if [ -z "${VK_ICD_FILENAMES:-}" ]; then
    for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/nvidia/icd.d; do
      [ -f "$d/nvidia_icd.json" ] && { VK_ICD_FILENAMES=$d/nvidia_icd.json; break; }
    done
    glx=""
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
      [ -e "$d/libGLX_nvidia.so.0" ] && { glx=$d/libGLX_nvidia.so.0; break; }
    done
    if [ -z "$glx" ]; then
      glx=$(ldconfig -p 2>/dev/null | sed -n 's/.*libGLX_nvidia.so.0 (libc6,x86-64) => //p' | head -n 1)
    fi
    # The driver's libraries (the ICD's own dependencies) must be findable by the loader.
    [ -n "$glx" ] && LD_LIBRARY_PATH=$(dirname "$glx")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -n "$glx" ]; then
      VK_ICD_FILENAMES=$WORK/nvidia_icd.json
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" >"$VK_ICD_FILENAMES"
      echo "wrote $VK_ICD_FILENAMES for $glx"
    fi
  fi
  if [ -n "${VK_ICD_FILENAMES:-}" ]; then
    export VK_ICD_FILENAMES VK_DRIVER_FILES="$VK_ICD_FILENAMES"
    echo "Vulkan driver manifest: $VK_ICD_FILENAMES"
    cat "$VK_ICD_FILENAMES" 2>/dev/null | head -c 400; echo
  else
    echo "no NVIDIA Vulkan driver manifest found (WebGPU will find no GPU adapter)"
  fi

  # Vulkan loader: the system's, else the carried one.
  if [ "${DEVICE_CHECK_FORCE_CARRIED_VULKAN:-0}" != 1 ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
    echo "Vulkan loader: system ($(ldconfig -p | sed -n 's/.*libvulkan.so.1 (libc6,x86-64) => //p' | head -n 1))"
  elif [ -f "$PACK/vulkan/libvulkan.so.1" ]; then
    LD_LIBRARY_PATH=$PACK/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    echo "Vulkan loader: carried ($PACK/vulkan/libvulkan.so.1)"
  else
    echo "no Vulkan loader (libvulkan.so.1) on this machine or in the pack"
  fi
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$WORK/xdg}
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

  # dawn.node travels compressed.
  dawn=$PACK/node_modules/webgpu/dist/linux-x64/dawn.node
  if [ ! -f "$dawn" ]; then
    for c in "$dawn.xz" "$dawn.gz"; do [ -f "$c" ] && unxz_to "$c" "$dawn"; done
  fi
  [ -s "$dawn" ] || echo "warning: $dawn is missing"

  # node: the system's if ≥ 20.19, else the carried one.
  NODE=""
  if [ "${DEVICE_CHECK_FORCE_CARRIED_NODE:-0}" != 1 ] && command -v node >/dev/null 2>&1 && version_ok node; then
    NODE=$(command -v node)
  else
    for c in "$PACK/node/node.xz" "$PACK/node/node.gz"; do
      if [ -f "$c" ]; then
        unxz_to "$c" "$WORK/node" && chmod +x "$WORK/node" && NODE=$WORK/node
        break
      fi
    done
  fi
  if [ -z "$NODE" ] || ! version_ok "$NODE"; then
    echo "device-check: no node ≥ 20.19 here and none carried that runs"; return 3
  fi
  echo "node: $NODE $("$NODE" --version)"

  cd "$PACK" && "$NODE" scripts/device-check.mjs check --out "$OUTDIR" "$@"
}

rcfile=$WORK/rc.$$
{ main "$@"; echo $? >"$rcfile"; } 2>&1 | tee "$OUTDIR/device-check.log"
rc=$(cat "$rcfile" 2>/dev/null || echo 1)
rm -f "$rcfile"
echo "device-check: exit $rc; report in $OUTDIR (device-report.md, device-report.json, device-check.log)"
exit "$rc"
