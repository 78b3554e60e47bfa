/** Sample requests of the viewer-token operations (merged into SAMPLES) and the key each lacks. */
export const UNKNOWN_VIEWER_TOKEN_ID = "vtk_01KMX4Q2R7B9C3D5E6F8G0H1J2";

export const CREDENTIAL_SAMPLES = {
  revokeViewerToken: () => ({
    method: "DELETE",
    path: `/v1/viewer-tokens/${UNKNOWN_VIEWER_TOKEN_ID}`,
  }),
};

/** Revoking a viewer token needs `admin`. */
export const CREDENTIAL_FORBIDDEN_WITH = {
  revokeViewerToken: "export",
} as const;
