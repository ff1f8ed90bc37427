/*
 * api_auth: /api/v1/auth (docs/admin-api.md): register, login, profile,
 * logout, refresh. Validation errors use format B (every failing rule, in
 * field order, with the offending value); everything else format A.
 */
#ifndef API_AUTH_H
#define API_AUTH_H

struct request;

int api_auth_register(struct request *req);
int api_auth_login(struct request *req);
int api_auth_profile(struct request *req);
int api_auth_logout(struct request *req);
int api_auth_refresh(struct request *req);

#endif
