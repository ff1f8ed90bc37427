/*
 * serve_vast: see serve_vast.h.
 */
#include "serve_vast.h"
#include "reply.h"
#include "request.h"

static const char empty_vast[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<VAST version=\"4.2\" xmlns=\"http://www.iab.com/VAST\"/>\n";

int serve_vast_get(struct request *req)
{
    if (request_add_header(req, "X-Adserverd-No-Fill", "no-eligible-campaign") != 0)
        return -1;
    return reply_data(req, 200, "application/xml; charset=utf-8", empty_vast,
                      sizeof(empty_vast) - 1);
}
