// A helper the tty test runs in a child process: it starts a new session,
// makes the pty slave named by argv[1] its controlling terminal and checks the
// process-group calls through the component. Exits 0, or the number of the
// step that failed (10..17).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "components/tty/tty.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  if (setsid() < 0) return 10;
  int fd = open(argv[1], O_RDWR | O_CLOEXEC);  // without O_NOCTTY
  if (fd < 0) return 11;
  if (ioctl(fd, TIOCSCTTY, 0) != 0) return 12;
  oskit_ttystream_t* t = nullptr;
  if (oskit_tty_adopt(fd, &t) != 0) return 13;
  oskit_pid_t got = 0;
  if (oskit_ttystream_getsid(t, &got) != 0 || got != getpid()) return 14;
  if (oskit_ttystream_getpgrp(t, &got) != 0 || got != getpgrp()) return 15;
  if (oskit_ttystream_setpgrp(t, getpgrp()) != 0) return 16;
  if (oskit_ttystream_setpgrp(t, 999999) == 0) return 17;  // no such process group
  oskit_ttystream_release(t);
  return 0;
}
