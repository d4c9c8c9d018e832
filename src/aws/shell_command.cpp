#include "aws/shell_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

extern char** environ;

namespace kinesyslog::aws {
namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// A file descriptor closed when it goes out of scope.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  OwnedFd read_end;
  OwnedFd write_end;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) throw_errno(errno, "credential_process: pipe");
  return Pipe{OwnedFd(fds[0]), OwnedFd(fds[1])};
}

pid_t spawn_shell(const std::string& command, const Pipe& out, const Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), STDERR_FILENO);
  // Its own process group, so a timeout kills whatever the shell started too.
  posix_spawnattr_setpgroup(&attributes, 0);
  // The relay blocks SIGTERM/SIGINT/SIGHUP for its signal thread and may ignore SIGPIPE: a blocked
  // mask and ignored dispositions survive exec, and the helper would not die of them as it expects.
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigset_t all_signals;
  sigfillset(&all_signals);
  posix_spawnattr_setsigdefault(&attributes, &all_signals);
  posix_spawnattr_setflags(&attributes,
                           static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string command_copy = command;
  char* argv[] = {shell.data(), dash_c.data(), command_copy.data(), nullptr};
  pid_t pid = -1;
  const int result = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (result != 0) throw_errno(result, "credential_process: cannot start /bin/sh");
  return pid;
}

// Splits what arrived on stderr into lines for the callback, keeping an unfinished line, until
// `budget` bytes have gone to it; what comes after is counted and dropped.
class LineSplitter {
 public:
  LineSplitter(const std::function<void(std::string_view)>& on_line, std::size_t budget)
      : on_line_(on_line), budget_(budget) {}
  void feed(std::string_view bytes) {
    if (budget_ == 0) {
      dropped_ += bytes.size();
      return;
    }
    pending_.append(bytes);
    for (std::size_t newline = pending_.find('\n'); newline != std::string::npos; newline = pending_.find('\n')) {
      emit(std::string_view(pending_).substr(0, newline));
      pending_.erase(0, newline + 1);
    }
    constexpr std::size_t kMaxLine = 4096;  // a runaway line is logged in pieces
    if (pending_.size() > kMaxLine) {
      emit(pending_);
      pending_.clear();
    }
  }
  void finish() {
    if (!pending_.empty()) emit(pending_);
    pending_.clear();
  }
  std::size_t dropped() const { return dropped_; }

 private:
  void emit(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    if (budget_ == 0) {
      dropped_ += line.size();
      return;
    }
    const std::size_t passed = std::min(line.size(), budget_);
    on_line_(line.substr(0, passed));
    budget_ -= passed;
    dropped_ += line.size() - passed;
  }
  const std::function<void(std::string_view)>& on_line_;
  std::size_t budget_;
  std::size_t dropped_ = 0;
  std::string pending_;
};

}  // namespace

ShellCommandOutcome run_shell_command(const std::string& command, const ShellCommandLimits& limits,
                                      const Clock& clock,
                                      const std::function<void(std::string_view line)>& on_stderr_line) {
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  const pid_t pid = spawn_shell(command, out, err);
  out.write_end.reset();
  err.write_end.reset();

  ShellCommandOutcome outcome;
  LineSplitter stderr_lines(on_stderr_line, limits.max_stderr_bytes);
  const SteadyTime deadline = clock.steady_now() + limits.timeout;
  std::array<pollfd, 2> watched{{{out.read_end.get(), POLLIN, 0}, {err.read_end.get(), POLLIN, 0}}};
  std::array<char, 4096> buffer{};
  bool kill_group = false;
  while (watched[0].fd >= 0 || watched[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.steady_now());
    if (left.count() <= 0) {
      outcome.timed_out = kill_group = true;
      break;
    }
    const int ready = ::poll(watched.data(), watched.size(), static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) throw_errno(errno, "credential_process: poll");
    for (std::size_t i = 0; i < watched.size() && ready > 0; ++i) {
      if (watched[i].fd < 0 || watched[i].revents == 0) continue;
      const ssize_t got = ::read(watched[i].fd, buffer.data(), buffer.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        watched[i].fd = -1;  // end of file (or an error, which ends the stream just the same)
        continue;
      }
      const std::string_view bytes(buffer.data(), static_cast<std::size_t>(got));
      if (i == 0) {
        outcome.standard_output.append(bytes);
      } else {
        stderr_lines.feed(bytes);
      }
    }
    if (outcome.standard_output.size() > limits.max_output_bytes) {
      outcome.output_too_large = kill_group = true;
      break;
    }
  }
  stderr_lines.finish();
  outcome.stderr_bytes_dropped = stderr_lines.dropped();
  if (kill_group) ::kill(-pid, SIGKILL);

  // A command may close its output and linger: it gets until the deadline to exit as well.
  int status = 0;
  for (;;) {
    const pid_t waited = ::waitpid(pid, &status, kill_group ? 0 : WNOHANG);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) throw_errno(errno, "credential_process: waitpid");
    if (waited == 0 && clock.steady_now() >= deadline) {
      outcome.timed_out = kill_group = true;
      ::kill(-pid, SIGKILL);
    } else if (waited == 0) {
      ::usleep(5'000);
    }
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

std::string program_of(std::string_view command) {
  constexpr std::string_view kBlank = " \t\n";
  for (;;) {
    const std::size_t start = command.find_first_not_of(kBlank);
    if (start == std::string_view::npos) return {};
    command.remove_prefix(start);
    std::string word;
    std::size_t at = 0;
    while (at < command.size() && kBlank.find(command[at]) == std::string_view::npos) {
      const char c = command[at++];
      if (c == '\'' || c == '"') {
        const std::size_t close = command.find(c, at);
        const std::size_t end = close == std::string_view::npos ? command.size() : close;
        word.append(command.substr(at, end - at));
        at = end == command.size() ? end : end + 1;
      } else if (c == '\\' && at < command.size()) {
        word.push_back(command[at++]);
      } else {
        word.push_back(c);
      }
    }
    command.remove_prefix(at);
    // A leading NAME=value is an assignment for the command, not the command (POSIX 2.9.1).
    const std::size_t equals = word.find('=');
    const bool assignment = equals != std::string::npos && equals > 0 &&
                            word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
                                equals &&
                            !(word[0] >= '0' && word[0] <= '9');
    if (!assignment) return word;
  }
}

}  // namespace kinesyslog::aws
