from . import phone
from . import guard
from . import reasons
