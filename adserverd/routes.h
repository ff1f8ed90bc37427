/*
 * routes: the route tables of the admin and the ad listener (routes.c).
 * Static, read-only, borrowed by the listeners for the life of the process.
 */
#ifndef ROUTES_H
#define ROUTES_H

#include "http/route.h"

extern const struct route_table routes_admin;
extern const struct route_table routes_ad;

#endif
