#!/bin/sh
# Regenerate the demo placeholder video used by the seed series:
#   courses/data/media/demo-training-video.webm
# A calm, plain 12-second clip (320x180, VP9 WebM, no audio): dark-blue
# background, centred white text "Training video placeholder" and a running
# seconds counter. It stands in for the provider's real training video.
#
# Needs: ffmpeg (with libvpx) and the DejaVu fonts
#   apt-get install -y ffmpeg fonts-dejavu-core
# Usage: scripts/make_demo_video.sh [output-path]
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/courses/data/media/demo-training-video.webm"}
font=${DEMO_VIDEO_FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
duration=12

if [ ! -f "$font" ]; then
    echo "font not found: $font (install fonts-dejavu-core or set DEMO_VIDEO_FONT)" >&2
    exit 1
fi
mkdir -p "$(dirname "$out")"

ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "color=c=0x12264a:s=320x180:r=25:d=${duration}" \
    -vf "drawtext=fontfile=${font}:text='Training video placeholder':fontcolor=white:fontsize=18:x=(w-text_w)/2:y=(h-text_h)/2-14,\
drawtext=fontfile=${font}:text='%{eif\:t\:d} s':fontcolor=white@0.85:fontsize=14:x=(w-text_w)/2:y=(h-text_h)/2+16" \
    -t "$duration" -an \
    -c:v libvpx-vp9 -b:v 0 -crf 40 -deadline good -row-mt 1 -pix_fmt yuv420p \
    "$out"

ffprobe -v error -show_entries format=duration,size:stream=codec_name,width,height \
    -of default=noprint_wrappers=1 "$out"
