"""Build script: a plain module plus openturk_redirect.pth at the top of site-packages.

The metadata lives here (not in pyproject.toml's [project]) so that old pips and old setuptools,
as found in the environments of tools that pin old botocore, install it the same way.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
PTH = "openturk_redirect.pth"


class build_py_with_pth(build_py):
    """Copies the .pth file next to the module, so the wheel puts it in site-packages."""

    def run(self):
        build_py.run(self)
        self.copy_file(os.path.join(HERE, PTH), os.path.join(self.build_lib, PTH), preserve_mode=0)


with open(os.path.join(HERE, "README.md")) as f:
    long_description = f.read()

setup(
    name="openturk-redirect",
    version="0.1.0",
    description="Send boto3/botocore MTurk clients made for AWS's MTurk endpoints to OpenTurk "
    "(AWS_ENDPOINT_URL_MTURK), on old and new botocore",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    py_modules=["openturk_redirect"],
    cmdclass={"build_py": build_py_with_pth},
    python_requires=">=3.6",
    install_requires=[],
    zip_safe=False,
)
