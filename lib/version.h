/* Versions: the program's, and the API version the contract reports (3.1). */
#ifndef VERSION_H
#define VERSION_H

#ifndef ADSERVERD_VERSION
#define ADSERVERD_VERSION "0.1.0"
#endif
#define ADSERVERD_API_VERSION "0.1.0"

#endif
