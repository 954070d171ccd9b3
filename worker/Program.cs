using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Worker;

// processfarm-worker: parse, read the secret, connect, handshake, serve until Shutdown or end of stream.
var options = WorkerOptions.Parse(args, out string? usageError);
if (options is null)
{
    Console.Error.WriteLine($"processfarm-worker: {usageError}");
    Console.Error.WriteLine(WorkerOptions.Usage);
    return (int)ExitCode.UsageError;
}

// Die with the coordinator, even one killed before this worker connects (SIGKILL leaves no end of stream to see).
if (options.ParentProcessId is int parent && !ParentProcess.BindTo(parent))
{
    return (int)ExitCode.ParentGone;
}

LargeBlocks.ReturnToSystemWhenFreed(); // a worker that does file after file gives each image's memory back

// Ctrl+C in a terminal signals the whole process group, workers included. The coordinator decides when its
// workers stop (Shutdown, or the end of their socket), so a worker ignores it instead of dying mid-job.
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);

// The secret arrives on stdin, never on the command line, which other users can read: the first line, exactly
// 64 hex digits (a CR before the LF is allowed), within the connect timeout (docs/PROTOCOL.md, "Launching a worker").
if (ReadSecret(options.ConnectTimeoutMs, out string? secretProblem) is not { } secret)
{
    Console.Error.WriteLine($"processfarm-worker: {secretProblem}");
    return (int)ExitCode.UsageError;
}

var log = new WorkerLog();
var faults = FaultInjection.FromEnvironment(options.WorkerId);
faults.OnStart();
SafeHandle connection;
System.Net.Sockets.Socket? tcp = null;
try
{
    // A direct connect (with the same-user check NamedPipeClientStream's CurrentUserOnly makes): no .NET socket
    // engine, no event thread, nothing to load, so the worker says Hello sooner (docs/RESULTS.md, "Worker start").
    // Over TCP (a cluster node's worker) there is no peer credential: the handshake's proofs authenticate both ends.
    connection = options.PipePath is { } pipe
        ? SocketIo.Connect(pipe, options.ConnectTimeoutMs)
        : (tcp = TcpConnector.Connect(options.TcpEndpoint!, options.ConnectTimeoutMs)).SafeHandle;
}
catch (Exception e) when (e is TimeoutException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or FormatException)
{
    log.Error(string.Create(CultureInfo.InvariantCulture, $"cannot connect to {options.PipePath ?? "tcp://" + options.TcpEndpoint}: {e.Message}"));
    return (int)ExitCode.ConnectFailed;
}

// From here on the worker's one thread reads and writes the socket itself: no event loop hand-off between a
// job's arrival and its execution (docs/RESULTS.md, "Round-trip latency").
// Over TCP the Socket closes its handle: a SafeSocketHandle disposed on its own closes abortively (SO_LINGER 0, a
// reset), which throws away replies still in the kernel's send queue, the last Results before a Shutdown included.
using (tcp)
using (tcp is null ? connection : null)
using (var socket = new DirectSocketStream(connection))
{
    System.Net.Security.SslStream? tls = null;
    if (options.TlsPin is { } pin)
    {
        try
        {
            tls = TlsConnector.Secure(socket, pin, options.ConnectTimeoutMs);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or TimeoutException)
        {
            log.Error($"no TLS with the coordinator at tcp://{options.TcpEndpoint} (it must present the certificate its node pinned): {e.Message}");
            return (int)ExitCode.HandshakeRefused;
        }
    }
    using (tls)
    using (var session = new WorkerSession(tls ?? (Stream)socket, socket, options.WorkerId, secret, log, faults))
    {
        return (int)session.Run();
    }
}

static byte[]? ReadSecret(int timeoutMs, out string? problem)
{
    problem = null;
    byte[] line;
    try
    {
        line = StandardInput.ReadLine(256, timeoutMs);
    }
    catch (Exception e) when (e is TimeoutException or InvalidDataException or IOException)
    {
        problem = $"expected the run's secret on standard input: {e.Message}";
        return null;
    }
    var text = Encoding.ASCII.GetString(line.AsSpan().TrimEnd((byte)'\r'));
    if (text.Length != 2 * ProtocolLimits.SecretBytes || !text.All(char.IsAsciiHexDigit))
    {
        problem = $"expected the run's {ProtocolLimits.SecretBytes}-byte secret as {2 * ProtocolLimits.SecretBytes} hex digits on the first line of standard input";
        return null;
    }
    return Convert.FromHexString(text);
}
