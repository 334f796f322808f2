#!/usr/bin/env bash
# Installs the Debian packages and font files civaffairs needs, only those missing.
# As root it installs them; otherwise it prints the exact command and stops.
set -euo pipefail

PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium chromium-driver fonts-arphic-gkai00mp)
FANDOL_DIR=/usr/local/share/fonts/fandol

# uv is installed with pip when missing (see the Makefile); Debian ships pip separately.
if ! command -v uv >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1; then
  PACKAGES+=(python3-pip)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
need_fandol=0
[ -f "$FANDOL_DIR/FandolFang-Regular.otf" ] && [ -f "$FANDOL_DIR/FandolKai-Regular.otf" ] || need_fandol=1

if [ ${#missing[@]} -eq 0 ] && [ $need_fandol -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包，请以 root 执行：" >&2
  [ ${#missing[@]} -gt 0 ] && echo "  sudo apt-get install -y ${missing[*]}" >&2
  [ $need_fandol -eq 1 ] && echo "  sudo bash scripts/setup-system.sh    # 从 texlive-lang-chinese 中取出 FandolFang/FandolKai 字体文件" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  echo "安装系统软件包：${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ $need_fandol -eq 1 ]; then
  # Only the Fandol font files are needed, not the 300 MB of TeX Live around them.
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download texlive-lang-chinese >/dev/null 2>&1 || { apt-get update -qq && apt-get download texlive-lang-chinese >/dev/null; })
  dpkg-deb -x "$tmp"/texlive-lang-chinese_*.deb "$tmp/x"
  mkdir -p "$FANDOL_DIR"
  cp "$tmp"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai,Hei,Song}-*.otf "$FANDOL_DIR/"
  rm -rf "$tmp"
  fc-cache -f >/dev/null
  echo "已安装 Fandol 字体到 $FANDOL_DIR"
fi
