"""Builds the sqlite-pat wheel: the package and the extension make built
(copied in by `make python-wheel`, mk/python.mk). No compiler runs here and
nothing is fetched: setuptools and wheel come from Debian."""
from setuptools import setup
from wheel.bdist_wheel import bdist_wheel


class PlatformWheel(bdist_wheel):
    """The wheel holds a compiled SQLite extension, no Python extension: it
    is for this platform, but for any Python 3 (py3-none-<platform>)."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


setup(
    name="sqlite-pat",
    version=open("VERSION").read().strip(),
    description="Personal Access Tokens for SQLite, as a loadable extension",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    packages=["sqlite_pat"],
    package_data={"sqlite_pat": ["pat.so"]},
    python_requires=">=3.8",
    cmdclass={"bdist_wheel": PlatformWheel},
    zip_safe=False,
)
