// Test support: a middleware program run as a child process on a loopback port it picks, and a
// temporary folder. Shared by the end-to-end, flow, fault and load tests.
// SPDX-License-Identifier: MIT
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace test_support {

/// A program started with its stdout on a pipe, expected to print
/// `listening on http://127.0.0.1:N` first. It dies with the test (Linux) and is killed with
/// SIGKILL when still running at destruction, so no test leaves a server behind.
class ServerProcess {
public:
    /// Starts `argv` (argv[0] is looked up in PATH when it has no slash). A positive
    /// `file_size_limit` (bytes, RLIMIT_FSIZE) makes writes past it fail as on a full disk.
    /// Throws std::runtime_error when the program does not announce its port in `timeout`.
    explicit ServerProcess(std::vector<std::string> argv, long file_size_limit = 0,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
        const pid_t parent = getpid();
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL); // the test killed by ctest's timeout
            if (getppid() != parent) _exit(127);
#endif
            (void)parent;
            if (file_size_limit > 0) {
                // Past the limit write() fails with EFBIG, as on a full disk (ENOSPC); the
                // signal that would kill the process is ignored across exec.
                std::signal(SIGXFSZ, SIG_IGN);
                const auto limit = static_cast<rlim_t>(file_size_limit);
                rlimit rl{limit, limit};
                setrlimit(RLIMIT_FSIZE, &rl);
            }
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            std::vector<char*> args;
            for (std::string& a : argv) args.push_back(a.data());
            args.push_back(nullptr);
            execvp(args[0], args.data());
            _exit(127);
        }
        close(fds[1]);
        out_ = fds[0];
        const std::optional<int> port = wait_for_port(timeout);
        if (!port) {
            stop(SIGKILL);
            throw std::runtime_error("the server did not start: '" + first_line_ + "'");
        }
        port_ = *port;
    }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    ~ServerProcess() {
        if (pid_ > 0) stop(SIGKILL);
        if (out_ >= 0) close(out_);
    }

    /// The loopback port the program listens on.
    int port() const noexcept {
        return port_;
    }
    /// The process id (-1 once stopped).
    pid_t pid() const noexcept {
        return pid_;
    }

    /// Sends `signal` and waits for the exit; the wait status.
    int stop(int signal) {
        kill(pid_, signal);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
        pid_ = -1;
        return status;
    }

    /// Sends `signal` and waits up to `timeout` for the exit; the wait status, or nullopt
    /// (the process is then still running, and killed at destruction).
    std::optional<int> stop(int signal, std::chrono::milliseconds timeout) {
        if (pid_ <= 0) return std::nullopt;
        kill(pid_, signal);
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int status = 0;
            const pid_t r = waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return status;
            }
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            usleep(10000);
        }
    }

private:
    /// The port of the `listening on http://127.0.0.1:N` line, within `timeout`.
    std::optional<int> wait_for_port(std::chrono::milliseconds timeout) {
        const std::string prefix = "listening on http://127.0.0.1:";
        std::string text;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{out_, POLLIN, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            char buffer[256];
            const ssize_t n = read(out_, buffer, sizeof buffer);
            if (n <= 0) return std::nullopt; // the program ended
            text.append(buffer, static_cast<std::size_t>(n));
            const std::size_t newline = text.find('\n');
            if (newline == std::string::npos) continue;
            first_line_ = text.substr(0, newline);
            if (first_line_.rfind(prefix, 0) != 0) return std::nullopt;
            return std::atoi(first_line_.c_str() + prefix.size());
        }
        return std::nullopt;
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int port_ = 0;
    std::string first_line_;
};

/// A fresh folder under the system's temp folder, removed with everything in it at the end.
class TempDir {
public:
    /// A new folder named `<prefix><random>`.
    explicit TempDir(const std::string& prefix = "mplus-test-") {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                (prefix + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    /// The folder.
    const std::filesystem::path& path() const noexcept { return path_; }
    /// The folder as text.
    std::string str() const { return path_.string(); }
    /// The path of `name` in the folder.
    std::string file(const char* name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

} // namespace test_support
