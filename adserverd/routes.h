/*
 * routes: the route tables of the admin and the ad listener (routes.c).
 * Declared apart from the router so that only main.c, at the top, names
 * them; the transport below never sees a handler. Static, read-only,
 * borrowed by the listeners for the life of the process (no lock).
 */
#ifndef ROUTES_H
#define ROUTES_H

#include "http/route.h"

extern const struct route_table routes_admin;
extern const struct route_table routes_ad;

#endif
