#!/usr/bin/env bash
# make-media-fixtures.sh: regenerate the committed test and demo videos.
#
# Run by hand, once, when a fixture is added or changed; neither the build nor
# the tests run it (the tests run ffprobe, never an encoder). Uses Debian
# 12's ffmpeg 5.1:
#   apt-get install -y ffmpeg
# then: scripts/make-media-fixtures.sh [OUTDIR]   (default tests/fixtures/media)
#
# Every file comes from ffmpeg's synthetic sources (testsrc, sine), so nothing
# fetched is committed. Bit-exact flags and one encoder thread make the bytes
# the same on every run with the same ffmpeg (checked: two runs, same md5).
# After encoding, ffprobe writes MANIFEST.tsv: what ffmpeg itself reads back
# from each file. tests/unit/media/test_ffprobe.c runs the daemon's fenced
# ffprobe (adserverd/media/ffprobe.c) on each fixture and compares with those
# values.
set -euo pipefail

out=${1:-tests/fixtures/media}
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    echo "make-media-fixtures: ffmpeg and ffprobe are needed (apt-get install ffmpeg)" >&2
    exit 1
fi
mkdir -p "$out"

exact=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
x264=(-c:v libx264 -preset veryslow -pix_fmt yuv420p -x264-params threads=1)
aac=(-c:a aac -b:a 32k)

# src W H RATE SECONDS sets SRC: testsrc video (input 0), a 440 Hz tone (input 1).
src() {
    SRC=(-f lavfi -i "testsrc=size=$1x$2:rate=$3:duration=$4"
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$4")
}

enc() {
    local name=$1
    shift
    ffmpeg -hide_banner -loglevel error -nostdin -y "$@" "${exact[@]}" "$out/$name"
}

# The usual CTV creative: H.264 High + AAC-LC in MP4, moov first (faststart).
src 320 180 30 15
enc h264-aac-15s-320x180.mp4 "${SRC[@]}" -map 0:v -map 1:a \
    "${x264[@]}" -crf 35 "${aac[@]}" -movflags +faststart
# The same kind of file as most encoders leave it: moov after mdat.
src 320 180 25 10
enc h264-aac-10s-320x180-moov-end.mp4 "${SRC[@]}" -map 0:v -map 1:a \
    "${x264[@]}" -crf 35 "${aac[@]}"
# QuickTime (ftyp 'qt  '), NTSC frame rate.
src 320 240 30000/1001 10
enc h264-aac-10s-320x240.mov "${SRC[@]}" -map 0:v -map 1:a \
    "${x264[@]}" -crf 35 "${aac[@]}" -f mov
# AVI: MPEG-4 Part 2 (FMP4) video and MP3 audio in RIFF.
src 320 240 24 12
enc mpeg4-mp3-12s-320x240.avi "${SRC[@]}" -map 0:v -map 1:a \
    -c:v mpeg4 -q:v 20 -g 240 -c:a libmp3lame -b:a 32k -f avi
# Fragmented MP4 (empty moov, duration only in the fragments), as packagers write.
src 320 180 30 10
enc h264-aac-10s-320x180-frag.mp4 "${SRC[@]}" -map 0:v -map 1:a \
    "${x264[@]}" -crf 35 -g 60 "${aac[@]}" -movflags frag_keyframe+empty_moov+default_base_moof
# HEVC tagged hvc1 (what Apple TV and most CTV players want), no audio track.
src 320 180 30 10
enc hevc-10s-320x180.mp4 "${SRC[@]}" -map 0:v \
    -c:v libx265 -preset medium -crf 35 -pix_fmt yuv420p -x265-params pools=1:frame-threads=1:log-level=error \
    -tag:v hvc1 -movflags +faststart
# VP9 + Opus in MP4.
src 320 180 30 10
enc vp9-opus-10s-320x180.mp4 "${SRC[@]}" -map 0:v -map 1:a \
    -c:v libvpx-vp9 -pix_fmt yuv420p -b:v 0 -crf 50 -threads 1 -row-mt 0 -c:a libopus -b:a 32k -movflags +faststart
# WebM, the web's container: VP9 + Opus and VP8 + Vorbis, short.
src 320 180 30 4
enc vp9-opus-4s-320x180.webm "${SRC[@]}" -map 0:v -map 1:a \
    -c:v libvpx-vp9 -pix_fmt yuv420p -b:v 0 -crf 50 -threads 1 -row-mt 0 -c:a libopus -b:a 32k
src 320 180 30 4
enc vp8-vorbis-4s-320x180.webm "${SRC[@]}" -map 0:v -map 1:a \
    -c:v libvpx -pix_fmt yuv420p -b:v 100k -threads 1 -c:a libvorbis -q:a 0
# Shot on a phone held upright: coded 320x180, track matrix turning it 90
# degrees clockwise (as an iPhone writes it), displayed 180x320. ffmpeg 5.1
# writes the matrix only when remuxing, and its rotate tag counts
# counter-clockwise: rotate=270 is 90 clockwise.
src 320 180 30 10
enc portrait-tmp.mp4 "${SRC[@]}" -map 0:v "${x264[@]}" -crf 35
enc h264-10s-320x180-portrait.mp4 -i "$out/portrait-tmp.mp4" -c copy \
    -metadata:s:v:0 rotate=270 -movflags +faststart
rm -f "$out/portrait-tmp.mp4"
# Audio only (AAC in an MP4 container named .m4a): a container but no video.
src 320 180 30 10
enc aac-10s.m4a "${SRC[@]}" -map 1:a "${aac[@]}" -movflags +faststart
# The demo creative loaded by `make run`: 720p, 29.97 fps, 15 s.
src 1280 720 30000/1001 15
enc ctv-demo-15s-1280x720.mp4 "${SRC[@]}" -map 0:v -map 1:a \
    "${x264[@]}" -crf 38 -g 300 -profile:v main -level:v 3.1 "${aac[@]}" -movflags +faststart

# What the contract's own test uploads: 30 bytes of text named .mp4.
printf 'this is not a video, only txt\n' >"$out/not-a-video.mp4"

# Hostile files (hostile/): each must end 'failed' with a reason, never a
# crash, a hang or a network access (tests/integration/t143_media_hostile).
mkdir -p "$out/hostile"
# wider than 7680: a real H.264 stream of absurd dimensions
enc hostile/absurd-7696x16.mp4 -f lavfi -i testsrc=size=7696x16:rate=10:duration=2 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p
# a codec we do not accept (Motion JPEG)
enc hostile/mjpeg-2s-160x90.mov -f lavfi -i testsrc=size=160x90:rate=10:duration=2 \
    -c:v mjpeg -q:v 20
# no frames at all: the container holds no stream
enc hostile/zero-frames.mp4 -f lavfi -i testsrc=size=160x90:rate=10:duration=2 -frames:v 0 \
    -c:v libx264
# a 2 s file whose headers (mvhd, mdhd, tkhd) claim 10 hours
enc hostile/ten-hours-base.mp4 -f lavfi -i testsrc=size=160x90:rate=10:duration=2 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -movflags +faststart
python3 - "$out/hostile/ten-hours-base.mp4" "$out/hostile/ten-hours-header.mp4" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
mv = d.find(b'mvhd')
movie_ts = struct.unpack('>I', d[mv + 16:mv + 20])[0]
for tag in (b'mvhd', b'mdhd'):       # version 0: timescale at +16, duration at +20
    i = d.find(tag)
    ts = struct.unpack('>I', d[i + 16:i + 20])[0]
    struct.pack_into('>I', d, i + 20, ts * 36000)
i = d.find(b'tkhd')                   # duration at +24, in the movie's timescale
struct.pack_into('>I', d, i + 24, movie_ts * 36000)
open(sys.argv[2], 'wb').write(d)
PY
rm -f "$out/hostile/ten-hours-base.mp4"
# the moov of a moov-at-end file never arrives
head -c 4096 "$out/h264-aac-10s-320x180-moov-end.mp4" >"$out/hostile/truncated-moov-end.mp4"
# an HLS playlist named .mp4 that points at a URL
printf '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/segment.ts\n#EXT-X-ENDLIST\n' \
    >"$out/hostile/playlist-named.mp4"

# MANIFEST.tsv: ffprobe's view of each video. Display size applies the
# rotation side data; duration is the container's, rounded to milliseconds.
{
    printf '# file\tduration_ms\twidth\theight\tvideo\taudio\tframe_rate\tbytes\n'
    for f in "$out"/*.mp4 "$out"/*.mov "$out"/*.avi "$out"/*.webm "$out"/*.m4a; do
        base=${f##*/}
        [ "$base" = not-a-video.mp4 ] && continue
        dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
        v=$(ffprobe -v error -select_streams v:0 \
            -show_entries stream=codec_tag_string,codec_name,width,height,r_frame_rate:stream_side_data=rotation \
            -of default=nw=1 "$f")
        a=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_tag_string,codec_name \
            -of default=nw=1 "$f")
        get() { sed -n "s/^$1=//p" <<<"$2" | head -n 1; }
        w=$(get width "$v")
        h=$(get height "$v")
        rot=$(get rotation "$v")
        case "${rot#-}" in 90 | 270) t=$w w=$h h=$t ;; esac
        vt=$(get codec_tag_string "$v")
        # Matroska has no tags ([0][0][0][0]): report the codec name.
        case "$vt" in *\[*) vt=$(get codec_name "$v") ;; esac
        fr=$(get r_frame_rate "$v")
        at=$(get codec_tag_string "$a")
        # AVI tags audio by a number (0x0055 is MP3): report its codec name.
        case "$at" in *\[*) at=$(get codec_name "$a") ;; esac
        printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\n' "$base" \
            "$(awk -v d="$dur" 'BEGIN { printf "%d", d * 1000 + 0.5 }')" \
            "${w:-0}" "${h:-0}" "${vt:--}" "${at:--}" "${fr:--}" \
            "$(stat -c %s "$f")"
    done
} >"$out/MANIFEST.tsv"

ls -l "$out"
