/**
 * Type URLs of the extensions embedded in our Listeners. They belong in src/xds/type-urls.ts
 * (the single home of type URL strings); kept here until that file takes them.
 */
export const ExtensionTypeUrl = {
  HttpConnectionManager: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
} as const;
