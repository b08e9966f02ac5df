/* echo: the protocol of echo-server and echo-client (method ordinals of calls
 * through their endpoint; the kernel does not interpret them). */
#ifndef CAPOS_USER_ECHO_H
#define CAPOS_USER_ECHO_H

enum echo_method {
	ECHO_ECHO = 0,	       /* returns the message unchanged */
	ECHO_BYE = 1,	       /* ends the server */
	ECHO_TAKE_CONSOLE = 2, /* a Console copied beside the call */
	ECHO_BORROW_TIMER = 3, /* a Timer moved beside the call, moved back in the reply */
};

#define ECHO_MAX_CAPS 4

#endif
