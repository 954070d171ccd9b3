using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;

namespace ProcessFarm.Shared.SharedMemory;

/// <summary>
/// A memory region mapped by the coordinator and every worker: a 64-byte <see cref="RegionHeader"/>, padding to
/// one page, then the data area where tiles live.
/// </summary>
/// <remarks>
/// <para>Lifetime: the coordinator creates the backing file (mode 0600, fully allocated up front so a full
/// tmpfs gives an error here instead of SIGBUS later) and unlinks it at once. From then on the region has no
/// name anywhere: workers open it through the coordinator's <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c> link
/// (<see cref="AttachPath"/>), and the kernel frees it when the last process that maps it exits, however that
/// process ends. Nothing can be left in /dev/shm.</para>
/// <para>The base pointer is acquired once per mapping and released on dispose; callers get spans over
/// bounds-checked ranges of the data area, never raw offsets. Dispose order: pointer, view, map, file.</para>
/// </remarks>
public sealed unsafe class SharedRegion : IDisposable
{
    private readonly FileStream _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;
    private int _disposed;

    private SharedRegion(FileStream file, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, string attachPath)
    {
        _file = file;
        _map = map;
        _view = view;
        _base = basePointer;
        AttachPath = attachPath;
    }

    /// <summary>The default directory for backing files.</summary>
    public const string DefaultDirectory = "/dev/shm";

    /// <summary>A path another process of the same user can open to map this region.</summary>
    public string AttachPath { get; }

    /// <summary>The whole region's size in bytes.</summary>
    public long TotalBytes => Header.TotalBytes;

    /// <summary>Bytes of the data area.</summary>
    public long DataBytes => Header.DataBytes;

    /// <summary>The header, as written by the creator.</summary>
    public ref readonly RegionHeader Header => ref Unsafe.AsRef<RegionHeader>(Base);

    /// <summary>The first byte of the data area; valid until dispose.</summary>
    public byte* Data => Base + RegionHeader.DataOffsetBytes;

    private byte* Base
    {
        get
        {
            ObjectDisposedException.ThrowIf(_base == null, this);
            return _base;
        }
    }

    /// <summary>Creates, sizes, maps and unlinks a new region.</summary>
    /// <param name="directory">Where the short-lived backing file is created; a tmpfs such as /dev/shm.</param>
    /// <param name="dataBytes">Bytes of the data area.</param>
    /// <exception cref="SharedMemoryException">The directory is missing or too small; the message says how to fix it.</exception>
    public static SharedRegion Create(string directory, long dataBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataBytes, 1);
        if (!Directory.Exists(directory))
        {
            throw new SharedMemoryException($"the shared-memory directory '{directory}' does not exist; pass --shm-dir with an existing tmpfs directory");
        }

        long totalBytes = RegionHeader.DataOffsetBytes + AlignUp(dataBytes, 4096);
        string path = Path.Combine(directory, $"processfarm-{Environment.ProcessId}-{Guid.NewGuid():N}.region");
        FileStream file;
        try
        {
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite, // .NET emulates FileShare with flock(); workers open it too
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                PreallocationSize = totalBytes,
            });
        }
        catch (IOException e)
        {
            TryDelete(path);
            throw new SharedMemoryException(
                $"cannot allocate a {totalBytes / (1024 * 1024)} MiB shared region in '{directory}' ({e.Message.TrimEnd('.')}); " +
                "free space there, enlarge it (Docker: --shm-size=2g), or pass --shm-dir with a larger tmpfs directory", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SharedMemoryException($"cannot create a file in the shared-memory directory '{directory}': {e.Message}; pass --shm-dir with a writable tmpfs directory", e);
        }

        try
        {
            // The name was only needed to create the file; from here on it lives behind our descriptor.
            File.Delete(path);
            file.SetLength(totalBytes);
            var region = Map(file, totalBytes, $"/proc/{Environment.ProcessId}/fd/{file.SafeFileHandle.DangerousGetHandle()}");
            ref var header = ref Unsafe.AsRef<RegionHeader>(region._base);
            header = new RegionHeader
            {
                Magic = RegionHeader.ExpectedMagic,
                LayoutVersion = RegionHeader.CurrentLayoutVersion,
                HeaderBytes = RegionHeader.Size,
                TotalBytes = totalBytes,
                DataOffset = RegionHeader.DataOffsetBytes,
                DataBytes = dataBytes,
                CreatorProcessId = Environment.ProcessId,
            };
            return region;
        }
        catch
        {
            TryDelete(path);
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens and maps a region another process created, and validates its header.</summary>
    /// <param name="path">The creator's <see cref="AttachPath"/>.</param>
    /// <param name="expectedTotalBytes">The size the creator announced.</param>
    /// <exception cref="SharedMemoryException">The file cannot be opened, or its size or header is wrong.</exception>
    public static SharedRegion Open(string path, long expectedTotalBytes)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharedMemoryException($"cannot open the shared region '{path}': {e.Message}", e);
        }

        try
        {
            long length = file.Length;
            if (length != expectedTotalBytes || length < RegionHeader.DataOffsetBytes)
            {
                throw new SharedMemoryException($"the shared region '{path}' is {length} bytes, expected {expectedTotalBytes}");
            }
            var region = Map(file, length, path);
            try
            {
                ref readonly var header = ref region.Header;
                if (header.Magic != RegionHeader.ExpectedMagic || header.LayoutVersion != RegionHeader.CurrentLayoutVersion ||
                    header.TotalBytes != length || header.DataOffset != RegionHeader.DataOffsetBytes ||
                    header.DataBytes < 0 || header.DataBytes > length - RegionHeader.DataOffsetBytes)
                {
                    throw new SharedMemoryException($"'{path}' is not a ProcessFarm region of layout {RegionHeader.CurrentLayoutVersion} (bad header)");
                }
                return region;
            }
            catch
            {
                region.Dispose();
                throw;
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Checks a descriptor against the data area in one comparison chain, without overflow.</summary>
    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && (ulong)offset <= (ulong)DataBytes && (ulong)length <= (ulong)(DataBytes - offset);

    /// <summary>A span over <paramref name="length"/> bytes of the data area at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the data area or exceeds 2 GiB.</exception>
    public Span<byte> GetSpan(long offset, int length)
    {
        if (!Contains(offset, length))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the {DataBytes}-byte data area");
        }
        return new Span<byte>(Data + offset, length);
    }

    /// <summary>
    /// Touches every page of the data area once, so that this process's page-table entries exist before timed
    /// work starts (a fresh mapping otherwise takes one minor fault per 4 KiB page inside the first kernel pass).
    /// Reads only: safe while another process writes the region.
    /// </summary>
    /// <returns>A value derived from the bytes read, so the loads cannot be optimised away.</returns>
    public int Prefault()
    {
        byte* data = Data;
        int sink = 0;
        for (long offset = 0; offset < DataBytes; offset += 4096)
        {
            sink += Volatile.Read(ref data[offset]);
        }
        return sink;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
    }

    private static SharedRegion Map(FileStream file, long totalBytes, string attachPath)
    {
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(file, mapName: null, totalBytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, totalBytes, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            // A view may start before the requested offset on a page boundary; remember PointerOffset.
            pointer += view.PointerOffset;
            return new SharedRegion(file, map, view, pointer, attachPath);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            throw;
        }
    }

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Teardown on a failure path that is already being reported.
        }
    }
}
