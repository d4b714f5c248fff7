from . import phone
from . import guard
