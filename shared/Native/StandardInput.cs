namespace ProcessFarm.Shared.Native;

/// <summary>This process's standard input, read with a deadline (native/src/pf_io.c, <c>pf_fd_read_line</c>).</summary>
public static unsafe class StandardInput
{
    /// <summary>
    /// Reads the first line: the bytes before the first LF (not included), or all of the input when it ends
    /// without one. Consumes nothing after the line.
    /// </summary>
    /// <param name="maxBytes">The longest line accepted.</param>
    /// <param name="timeoutMs">How long the whole line may take to arrive.</param>
    /// <exception cref="TimeoutException">No complete line arrived in time.</exception>
    /// <exception cref="InvalidDataException">The line is longer than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="IOException">Standard input cannot be read.</exception>
    public static byte[] ReadLine(int maxBytes, int timeoutMs)
    {
        var buffer = new byte[maxBytes];
        int length;
        fixed (byte* data = buffer)
        {
            length = Interop.PfNative.FdReadLine(0, data, maxBytes, timeoutMs);
        }
        return length switch
        {
            >= 0 => buffer[..length],
            -ErrnoTimedOut => throw new TimeoutException($"no line arrived on standard input within {timeoutMs} ms"),
            -ErrnoMessageSize => throw new InvalidDataException($"the first line of standard input is longer than {maxBytes} bytes"),
            _ => throw new IOException($"cannot read standard input: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-length)}", -length),
        };
    }

    private const int ErrnoTimedOut = 110; // ETIMEDOUT on Linux
    private const int ErrnoMessageSize = 90; // EMSGSIZE on Linux
}
