#!/usr/bin/env bash
# Install the front-end packages with npm and copy the files we serve into static/vendor/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/static"
"$root/scripts/system-deps.sh" npm
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf vendor.tmp && mkdir -p vendor.tmp/leaflet vendor.tmp/swagger-ui-dist vendor.tmp/jquery vendor.tmp/geoman vendor.tmp/vectorgrid
cp -r node_modules/leaflet/dist/. vendor.tmp/leaflet/
cp node_modules/jquery/dist/jquery.min.js vendor.tmp/jquery/
cp node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js vendor.tmp/vectorgrid/
cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css \
   node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js vendor.tmp/geoman/
for f in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js; do
  cp "node_modules/swagger-ui-dist/$f" vendor.tmp/swagger-ui-dist/
done
rm -rf vendor && mv vendor.tmp vendor
