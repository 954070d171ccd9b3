using System.Globalization;
using System.IO.Pipes;
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

// The secret arrives on stdin, never on the command line, which other users can read.
string? secretLine = Console.In.ReadLine();
byte[] secret;
try
{
    secret = Convert.FromHexString(secretLine?.Trim() ?? string.Empty);
}
catch (FormatException)
{
    secret = [];
}
if (secret.Length != ProtocolLimits.SecretBytes)
{
    Console.Error.WriteLine($"processfarm-worker: expected the run's {ProtocolLimits.SecretBytes}-byte secret as hex on standard input");
    return (int)ExitCode.UsageError;
}

var log = new WorkerLog(options.WorkerId);
await using var stream = new NamedPipeClientStream(".", options.PipePath, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
try
{
    await stream.ConnectAsync(options.ConnectTimeoutMs).ConfigureAwait(false);
}
catch (Exception e) when (e is TimeoutException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    log.Error(string.Create(CultureInfo.InvariantCulture, $"cannot connect to {options.PipePath}: {e.Message}"));
    return (int)ExitCode.ConnectFailed;
}

// From here on the worker's one thread reads and writes the socket itself: no event loop hand-off between a
// job's arrival and its execution (docs/RESULTS.md, "Round-trip latency").
using var socket = new DirectSocketStream(stream.SafePipeHandle);
using var session = new WorkerSession(socket, options.WorkerId, secret, log);
return (int)await session.RunAsync().ConfigureAwait(false);
