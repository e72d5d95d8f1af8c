// GCJ-02, the datum of most Chinese web maps: the forward shift from WGS-84 (GPS), a line-by-line
// mirror of server/domain/coordinates.py (a test compares the two on the same points). Clients
// use it to draw grids, records and the GPS position on a base map whose tiles are in GCJ-02.

// The GCJ-02 datum shift is defined on the Krasovsky ellipsoid.
const A = 6378245.0;
const EE = 0.00669342162296594323;

/** Whether a point lies outside mainland China's rough bounding box (where GCJ-02 applies). */
export function outsideChina(lon, lat) {
  return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
}

/** Shift a WGS-84 point to GCJ-02 (the published forward transform): [lon, lat]. */
export function wgs84ToGcj02(lon, lat) {
  if (outsideChina(lon, lat)) return [lon, lat];
  const x = lon - 105.0;
  const y = lat - 35.0;
  let dlat = shiftLat(x, y);
  let dlon = shiftLon(x, y);
  const radlat = lat * (Math.PI / 180.0); // as math.radians
  const magic = 1 - EE * Math.sin(radlat) ** 2;
  const sqrtMagic = Math.sqrt(magic);
  dlat = (dlat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dlon = (dlon * 180.0) / ((A / sqrtMagic) * Math.cos(radlat) * Math.PI);
  return [lon + dlon, lat + dlat];
}

function shiftLat(x, y) {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function shiftLon(x, y) {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return ret;
}
