using System.Globalization;

namespace ProcessFarm.Worker;

/// <summary>
/// The worker's command line: <c>(--pipe PATH | --connect tcp://HOST:PORT [--tls-pin HASH]) --id N [--parent PID]
/// [--connect-timeout-ms MS]</c>; the secret comes on stdin. With <c>--parent</c> the worker dies with that process
/// (docs/PROTOCOL.md, "Launching a worker"); with <c>--tls-pin</c> it speaks TLS and accepts only the coordinator
/// certificate with that SHA-256 hash (<see cref="TlsConnector"/>).
/// </summary>
/// <param name="PipePath">The Unix socket to connect to, or null for <paramref name="TcpEndpoint"/>.</param>
/// <param name="TcpEndpoint">HOST:PORT of a coordinator's TCP listener (a cluster node's workers), or null.</param>
/// <param name="WorkerId">The id the Hello carries.</param>
/// <param name="ConnectTimeoutMs">How long to wait for the secret, then for the connection.</param>
/// <param name="ParentProcessId">The process to die with, if any.</param>
/// <param name="TlsPin">With --tls-pin, the SHA-256 hash of the only coordinator certificate to accept; null for plain TCP.</param>
internal sealed record WorkerOptions(string? PipePath, string? TcpEndpoint, uint WorkerId, int ConnectTimeoutMs, int? ParentProcessId, byte[]? TlsPin = null)
{
    public const string Usage = "usage: processfarm-worker (--pipe PATH | --connect tcp://HOST:PORT [--tls-pin SHA256HEX]) --id N [--parent PID] [--connect-timeout-ms MS]  (the run's secret, as hex, on the first line of standard input)";

    /// <summary>Hex digits of a --tls-pin: a SHA-256 hash.</summary>
    private const int PinHexDigits = 64;

    private const string TcpScheme = "tcp://";

    /// <summary>Parses arguments; returns null and an error message when they are wrong.</summary>
    public static WorkerOptions? Parse(string[] args, out string? error)
    {
        string? pipe = null;
        string? tcp = null;
        uint? id = null;
        int? parent = null;
        byte[]? pin = null;
        int timeoutMs = 10_000;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--pipe" when value is not null:
                    pipe = value;
                    i++;
                    break;
                case "--connect" when value is not null && value.StartsWith(TcpScheme, StringComparison.Ordinal) && value.Length > TcpScheme.Length:
                    tcp = value[TcpScheme.Length..];
                    i++;
                    break;
                case "--tls-pin" when value is { Length: PinHexDigits } && value.All(char.IsAsciiHexDigit):
                    pin = Convert.FromHexString(value);
                    i++;
                    break;
                case "--id" when uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint parsed):
                    id = parsed;
                    i++;
                    break;
                case "--parent" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0:
                    parent = pid;
                    i++;
                    break;
                case "--connect-timeout-ms" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms > 0:
                    timeoutMs = ms;
                    i++;
                    break;
                default:
                    error = $"unexpected or incomplete argument '{args[i]}'";
                    return null;
            }
        }
        if ((pipe is null) == (tcp is null) || id is null)
        {
            error = "--id and one of --pipe or --connect tcp://HOST:PORT are required";
            return null;
        }
        if (pin is not null && tcp is null)
        {
            error = "--tls-pin goes with --connect tcp://HOST:PORT only";
            return null;
        }
        return new WorkerOptions(pipe, tcp, id.Value, timeoutMs, parent, pin);
    }
}
