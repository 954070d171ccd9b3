using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>
/// Reads input files through <c>pf_file_open_regular</c> and <c>pf_file_read</c> (native/src/pf_file.c): opening never
/// blocks, anything but a regular file is refused unread, and no more is read than the file's size when it was
/// opened, so a FIFO, <c>/dev/zero</c> or a file that keeps growing cannot hang or exhaust the reader.
/// </summary>
internal static unsafe class RegularFile
{
    private const int ErrnoNoEntry = 2; // ENOENT
    private const int ErrnoPermission = 1; // EPERM
    private const int ErrnoAccess = 13; // EACCES
    private const int ErrnoNotDirectory = 20; // ENOTDIR
    private const int ErrnoIsDirectory = 21; // EISDIR
    private const int ErrnoNotSupported = 95; // EOPNOTSUPP: pf_file_open_regular's "not a regular file"

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    /// <param name="path">The file.</param>
    /// <param name="length">Its size in bytes when it was opened: the most <see cref="ReadExactly"/> will read.</param>
    /// <returns>The descriptor; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on the path does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="NotRegularFileException">A directory, FIFO, socket or device.</exception>
    /// <exception cref="IOException">Any other failure.</exception>
    public static SafeInputFileHandle Open(string path, out long length)
    {
        ArgumentNullException.ThrowIfNull(path);
        long size;
        int result = Interop.PfNative.FileOpenRegular(path, &size);
        if (result < 0)
        {
            throw Failure(path, -result);
        }
        length = size;
        return new SafeInputFileHandle(result);
    }

    /// <summary>Fills <paramref name="destination"/> from the start of the file.</summary>
    /// <exception cref="IOException">The file is shorter than <paramref name="destination"/> (it shrank since it was opened), or a read failed.</exception>
    public static void ReadExactly(SafeInputFileHandle file, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(file);
        long read;
        fixed (byte* buffer = destination)
        {
            read = Interop.PfNative.FileRead(file, buffer, destination.Length, 0);
        }
        if (read < 0)
        {
            throw new IOException(Marshal.GetPInvokeErrorMessage((int)-read), (int)-read);
        }
        if (read < destination.Length)
        {
            throw new IOException($"the file shrank from {destination.Length} to {read} bytes while it was read");
        }
    }

    private static Exception Failure(string path, int errno) => errno switch
    {
        ErrnoNoEntry => new FileNotFoundException($"'{path}' does not exist", path),
        ErrnoNotDirectory => new DirectoryNotFoundException($"a directory on the path '{path}' does not exist"),
        ErrnoIsDirectory => new NotRegularFileException(path, "is a directory, not an image file"),
        ErrnoNotSupported => new NotRegularFileException(path, "is not a regular file (a FIFO, socket or device); give an image file"),
        ErrnoAccess or ErrnoPermission => new UnauthorizedAccessException(Marshal.GetPInvokeErrorMessage(errno)),
        _ => new IOException(Marshal.GetPInvokeErrorMessage(errno), errno),
    };
}
